"""The shop:

rewards      what it offers, and what admins change (stock, price, retirement)
redemptions  redeem, cancel, fulfil: one transaction each
wallet       an employee's lifetime balance
notify       the redemption's e-mails to the employee and the admins
"""
